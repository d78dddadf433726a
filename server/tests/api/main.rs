//! Integration tests of gatehouse-server: the real router on a real port,
//! over a fresh SQLite file, driven through HTTP like the SDK drives it.
//! One test binary; [`helpers`] starts apps and speaks to them, [`calls`]
//! names the endpoints.

mod calls;
mod helpers;
mod jwt;
mod sse;

mod admin;
mod bad_input;
mod body_errors;
mod cli;
mod client;
mod config;
mod dev_tools;
mod email_link;
mod email_link_settings;
mod events;
mod fuzz;
mod interplay;
mod invitations;
mod lockout;
mod security;
mod serving;
mod sessions;
mod sign_in;
mod sign_up;
mod smtp;
mod verification;
