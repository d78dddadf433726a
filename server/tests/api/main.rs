//! Integration tests of gatehouse-server: the real router on a real port,
//! over a fresh SQLite file, driven through HTTP like the SDK drives it.
//! One test binary; [`helpers`] starts apps and speaks to them, [`calls`]
//! names the endpoints.

mod backend;
mod calls;
mod helpers;
mod jwt;
mod sse;

mod admin;
mod bad_input;
mod body_errors;
mod check_config;
mod cleanup;
mod cli;
mod client;
mod code_limits;
mod compression;
mod config;
mod crash;
mod delivery_sink;
mod dev_tools;
mod email_link;
mod email_link_owner;
mod email_link_settings;
mod events;
mod fuzz;
mod imports;
mod interplay;
mod invitations;
mod limits;
mod lockout;
mod mail;
mod message_budget;
mod mfa_required;
mod migrations;
mod names;
mod notices;
mod observability;
mod openapi;
mod origin;
mod password_hashing;
mod password_reset;
mod password_reset_link;
mod password_reset_link_app;
mod phone_sms;
mod races;
mod request_id;
mod secrets_at_rest;
mod security;
mod serving;
mod sessions;
mod sign_in;
mod sign_in_alerts;
mod sign_up;
mod sms;
mod smtp;
mod systemd_unit;
mod totp;
mod two_nodes;
mod user_sessions;
mod verification;
mod webhook_receiver;
mod webhooks;
