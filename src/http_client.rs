//! The one place HTTP clients (ureq agents) are made: every client of this library shares
//! these defaults (no status as an error, no redirect followed: a signature or a token
//! would go wherever a redirect points; our User-Agent), and each use adds its own
//! timeouts, pool, TLS and proxy: the storage's transport, the token-carrying calls (STS,
//! SSO), the credential endpoints (container, IMDS).

/// A client with the shared defaults and what `customize` adds.
pub(crate) fn agent(
    customize: impl FnOnce(
        ureq::config::ConfigBuilder<ureq::typestate::AgentScope>,
    ) -> ureq::config::ConfigBuilder<ureq::typestate::AgentScope>,
) -> ureq::Agent {
    let defaults = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .user_agent(concat!("s3storage/", env!("CARGO_PKG_VERSION")));
    customize(defaults).build().into()
}
