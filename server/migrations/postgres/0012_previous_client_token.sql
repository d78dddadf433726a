-- The token a client had before its last replacement (at a sign-in or
-- sign-out), and when it was replaced. Another tab of the same browser may
-- still have a request in flight with that old cookie: for a short while
-- (`crate::client::REPLACED_TOKEN_WINDOW_MS`) such a request answers 409
-- `client_token_replaced`, with no client data, so the SDK sends it again
-- with the new cookie instead of taking the answer of an unknown token (an
-- empty client, as if signed out). After that the old token is unknown.

ALTER TABLE clients ADD COLUMN previous_token_hash TEXT;
ALTER TABLE clients ADD COLUMN token_replaced_at BIGINT;
CREATE INDEX clients_by_previous_token_hash ON clients (previous_token_hash);
