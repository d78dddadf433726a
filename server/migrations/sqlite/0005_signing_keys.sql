-- The Ed25519 keys that sign session JWTs, made on first start and by
-- `gatehouse-server rotate-signing-key`. The key that signs is the newest
-- whose `active_from` has come; the JWKS lists the keys whose tokens may
-- still be live. A key that can no longer sign loses its private half.

CREATE TABLE signing_keys (
    kid          TEXT PRIMARY KEY,
    -- The public key, base64url (the JWK's `x`).
    public_key   TEXT NOT NULL,
    -- The 32-byte seed in hex; NULL once the key can no longer sign.
    private_key  TEXT,
    created_at   BIGINT NOT NULL,
    active_from  BIGINT NOT NULL,
    -- Set when the key was dropped from the JWKS at once (--compromised).
    withdrawn_at BIGINT
);
