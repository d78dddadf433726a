//! The resolved config as `check-config` prints it: TOML, every secret
//! as [`MASK`].

use super::Config;

/// What a secret is printed as.
pub const MASK: &str = "***";

/// The settings as a TOML document (secrets masked by `Secret`'s
/// `Serialize`, the only way serde sees one).
pub fn shown(config: &Config) -> Result<String, toml::ser::Error> {
    toml::to_string(config)
}
