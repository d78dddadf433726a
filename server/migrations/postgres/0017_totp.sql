-- A user's TOTP second factor (issue 13 §2): the secret sealed with the
-- master key (`v1.` XChaCha20-Poly1305, bound to the user's id), off until a
-- code verified it, and the last 30 s step a code was accepted for (a
-- code is never accepted twice). Backup codes are kept as HMACs (the code
-- key), each spent once.
CREATE TABLE user_totp (
    user_id        TEXT PRIMARY KEY REFERENCES users (id),
    secret         TEXT NOT NULL,
    verified       BOOLEAN NOT NULL,
    last_used_step BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE TABLE backup_codes (
    id        TEXT PRIMARY KEY,
    user_id   TEXT NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    used_at   BIGINT
);
CREATE INDEX backup_codes_by_user ON backup_codes (user_id);
