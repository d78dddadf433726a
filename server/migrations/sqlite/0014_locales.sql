-- The language of the messages a sign-up gets (its create's `locale`, a
-- language tag), and of an invitation's email (the admin's `locale`).
-- NULL: none given (a sign-up's messages then follow the Accept-Language
-- of the request that sends them; an invitation's are in English).
ALTER TABLE sign_ups ADD COLUMN locale TEXT;
ALTER TABLE invitations ADD COLUMN locale TEXT;
