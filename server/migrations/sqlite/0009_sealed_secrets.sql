-- Secrets at rest: the code HMAC key (`server_secrets`) and the private
-- half of the session signing keys are sealed (XChaCha20-Poly1305) with a
-- master key that is not in the database (`GATEHOUSE_MASTER_KEY`, or a key
-- file beside the database). SQL cannot encrypt, so these flags mark what
-- is still in the clear: the server seals those rows when it opens the
-- database (`db::Store::connect_with`), and writes only sealed ones.

ALTER TABLE server_secrets ADD COLUMN sealed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE signing_keys ADD COLUMN private_key_sealed BOOLEAN NOT NULL DEFAULT FALSE;
