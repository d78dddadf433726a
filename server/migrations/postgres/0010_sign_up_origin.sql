-- Where and when a sign-up began, and whether the owner of its address
-- cancelled it ("I didn't start this" on the email link's confirm page).
--
-- The confirm page shows the browser, OS, IP and time to a person who
-- opens the link in another browser than the one that signed up, so the
-- owner of the address decides, not whoever typed it in.
ALTER TABLE sign_ups ADD COLUMN created_user_agent TEXT;
ALTER TABLE sign_ups ADD COLUMN created_ip TEXT;
-- When the owner of the address cancelled it; NULL otherwise.
ALTER TABLE sign_ups ADD COLUMN cancelled_at BIGINT;
