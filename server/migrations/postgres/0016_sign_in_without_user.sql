-- A password reset asked for an address without an account still makes a
-- sign-in (the same answer as for a known address: no enumeration), with
-- no user.
ALTER TABLE sign_ins ALTER COLUMN user_id DROP NOT NULL;
