//! Where a sign-up began: the `User-Agent` and IP of the request that
//! created it (a [`crate::device::Device`]), kept with the sign-up. When
//! its email link is opened in another browser, the confirm page shows
//! them (with the time), so the owner of the address can tell a sign-up of
//! theirs from a stranger's (`crate::verify`).

/// The `User-Agent` and IP of the request that created a sign-up.
pub type Started = crate::device::Device;
