//! The shared config and credentials files, as botocore reads them: `~/.aws/credentials`
//! (`[name]` sections; `AWS_SHARED_CREDENTIALS_FILE`) and `~/.aws/config` (`[profile
//! name]` and `[default]`; `AWS_CONFIG_FILE`). A profile's settings are those of both
//! files, the credentials file winning.

use super::env;
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One profile's settings, by their lower-case names (`aws_access_key_id`, `region`...).
#[derive(Default)]
pub(crate) struct Profile {
    /// The profile's name.
    pub name: String,
    values: BTreeMap<String, String>,
}

impl Profile {
    /// A setting of the profile.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

fn home_file(variable: &str, file: &str) -> Option<PathBuf> {
    if let Some(path) = env(variable) {
        return Some(PathBuf::from(path));
    }
    env("HOME").map(|home| PathBuf::from(home).join(".aws").join(file))
}

/// `[section]` → `key = value`, as botocore's INI files (comments `#` and `;`; indented
/// lines belong to a nested setting such as `s3 =`, which is skipped).
fn parse(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut sections: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        // A section header; what follows its `]` (a comment) is ignored, as configparser.
        if let Some(name) = trimmed
            .strip_prefix('[')
            .and_then(|t| t.split_once(']'))
            .map(|(name, _)| name)
        {
            current = Some(name.trim().to_string());
            sections.entry(name.trim().to_string()).or_default();
            continue;
        }
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let (Some(section), Some((key, value))) = (&current, trimmed.split_once('=')) else {
            continue;
        };
        let entry = sections.entry(section.clone()).or_default();
        entry.insert(key.trim().to_ascii_lowercase(), value.trim().to_string());
    }
    sections
}

fn read(path: Option<PathBuf>) -> Result<BTreeMap<String, BTreeMap<String, String>>> {
    let Some(path) = path else {
        return Ok(BTreeMap::new());
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(parse(&text)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(error) => Err(Error::Config(format!(
            "the AWS profile file {} cannot be read: {error}",
            path.display()
        ))),
    }
}

/// The named profile from both files, or `None` if neither has it.
pub(crate) fn load(name: &str) -> Result<Option<Profile>> {
    let config = read(home_file("AWS_CONFIG_FILE", "config"))?;
    let credentials = read(home_file("AWS_SHARED_CREDENTIALS_FILE", "credentials"))?;
    let config_section = match name {
        "default" => config
            .get("default")
            .or_else(|| config.get("profile default")),
        _ => config.get(&format!("profile {name}")),
    };
    let credentials_section = credentials.get(name);
    if config_section.is_none() && credentials_section.is_none() {
        return Ok(None);
    }
    let mut values = config_section.cloned().unwrap_or_default();
    values.extend(credentials_section.cloned().unwrap_or_default());
    Ok(Some(Profile {
        name: name.to_string(),
        values,
    }))
}

/// An `[sso-session NAME]` section of the config file.
pub(crate) fn sso_session(name: &str) -> Result<Option<Profile>> {
    let config = read(home_file("AWS_CONFIG_FILE", "config"))?;
    Ok(config
        .get(&format!("sso-session {name}"))
        .map(|values| Profile {
            name: name.to_string(),
            values: values.clone(),
        }))
}

/// `~/.aws/sso/cache`, where `aws sso login` keeps its tokens.
pub(crate) fn sso_cache_dir() -> Option<PathBuf> {
    env("HOME").map(|home| PathBuf::from(home).join(".aws").join("sso").join("cache"))
}

/// The profile in use: `AWS_PROFILE`, else `default`.
pub(crate) fn selected() -> String {
    env("AWS_PROFILE").unwrap_or_else(|| "default".into())
}

/// The region when the settings name none: `AWS_REGION`, `AWS_DEFAULT_REGION`, then the
/// selected profile's `region` (botocore's chain; `None` means us-east-1).
pub(crate) fn default_region(profile: Option<&str>) -> Option<String> {
    env("AWS_REGION")
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .or_else(|| value(profile, "region"))
}

/// A key of the profile (`profile`, else the selected one), if the profile has it.
pub(crate) fn value(profile: Option<&str>, key: &str) -> Option<String> {
    let name = profile.map(str::to_string).unwrap_or_else(selected);
    let profile = load(&name).ok()??;
    profile.get(key).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_sections_keys_comments_and_nested_settings() {
        let parsed = parse(
            "# comment\n[default]\nregion = eu-west-1\ns3 =\n  addressing_style = path\n\
             [profile dev]\nAWS_ACCESS_KEY_ID=AKID ; not a comment in values\n; comment\n\
             [prod]  # production\naws_access_key_id = PROD\n",
        );
        assert_eq!(parsed["prod"]["aws_access_key_id"], "PROD");
        assert!(!parsed["profile dev"].contains_key("region"));
        assert_eq!(parsed["default"]["region"], "eu-west-1");
        assert!(!parsed["default"].contains_key("addressing_style"));
        assert_eq!(
            parsed["profile dev"]["aws_access_key_id"],
            "AKID ; not a comment in values"
        );
    }
}
