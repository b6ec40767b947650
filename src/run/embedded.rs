//! The embedded targets: with no `--target`, a run starts two reference servers per edition on
//! 127.0.0.1:0 in process, one per double-booking setting, so a default run exercises both.

use std::sync::Arc;

use crate::case::DoubleBooking;
use crate::edition::Edition;
use crate::target::{Auth, Profile, Secret, Target};
use canvas_sandbox::{Faults, Mutant, RunningServer, ServerConfig, ServerError, settings, spawn};

/// Label of the embedded 2023-09 server that allows double booking (Canvas's default).
pub const REFERENCE: &str = "reference";
/// Label of the embedded 2023-09 server that disallows it.
pub const REFERENCE_NO_DOUBLE_BOOKING: &str = "reference-no-double-booking";
/// Label of the embedded current-edition server that allows double booking.
pub const REFERENCE_CURRENT: &str = "reference-current";
/// Label of the embedded current-edition server that disallows it.
pub const REFERENCE_CURRENT_NO_DOUBLE_BOOKING: &str = "reference-current-no-double-booking";

pub struct Embedded {
    servers: Vec<RunningServer>,
    pub targets: Vec<Target>,
}

impl Embedded {
    /// Starts two servers per edition (double booking allowed, then disallowed), each the
    /// reference instance of its edition; a mutant breaks the servers of the editions it belongs
    /// to, and the others run unbroken.
    pub async fn start(
        editions: &[Edition],
        mutant: Option<Mutant>,
    ) -> Result<Embedded, ServerError> {
        Embedded::start_with(editions, mutant, &Faults::default()).await
    }

    /// [`Embedded::start`] with servers that inject `faults` (latency, 429/503…; `bench` part 6).
    pub async fn start_with(
        editions: &[Edition],
        mutant: Option<Mutant>,
        faults: &Faults,
    ) -> Result<Embedded, ServerError> {
        let mut servers = Vec::new();
        let mut targets = Vec::new();
        for &edition in editions {
            let labels = match edition {
                Edition::Sept2023 => [REFERENCE, REFERENCE_NO_DOUBLE_BOOKING],
                Edition::Current => [REFERENCE_CURRENT, REFERENCE_CURRENT_NO_DOUBLE_BOOKING],
            };
            for (label, setting) in labels
                .into_iter()
                .zip([DoubleBooking::Allowed, DoubleBooking::Disallowed])
            {
                let mut config = ServerConfig::reference_for(edition);
                config.settings.double_booking = match setting {
                    DoubleBooking::Allowed => settings::DoubleBooking::Allowed,
                    DoubleBooking::Disallowed => settings::DoubleBooking::Disallowed,
                };
                config.mutant = mutant.filter(|m| m.editions().contains(&edition));
                config.settings.faults = faults.clone();
                let token = config.static_token.clone();
                let server = spawn(config).await?;
                let profile = Profile::reference_for(edition).with_double_booking(setting);
                targets.push(Target {
                    label: label.to_owned(),
                    base_url: server.base_url().to_owned(),
                    auth: Auth::static_token(Secret::new(token)),
                    profile: Arc::new(profile),
                });
                servers.push(server);
            }
        }
        Ok(Embedded { servers, targets })
    }

    pub async fn shutdown(self) {
        for server in self.servers {
            server.shutdown().await;
        }
    }
}
