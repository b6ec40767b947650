//! The embedded targets: with no `--target`, a run starts two reference servers on 127.0.0.1:0 in
//! process, one per double-booking setting, so a default run exercises both.

use std::sync::Arc;

use crate::case::DoubleBooking;
use crate::server::{Mutant, RunningServer, ServerConfig, ServerError, settings, spawn};
use crate::target::{Auth, Profile, Secret, Target};

/// Label of the embedded server that allows double booking (Canvas's default).
pub const REFERENCE: &str = "reference";
/// Label of the embedded server that disallows it.
pub const REFERENCE_NO_DOUBLE_BOOKING: &str = "reference-no-double-booking";

pub struct Embedded {
    servers: Vec<RunningServer>,
    pub targets: Vec<Target>,
}

impl Embedded {
    /// Starts both servers, optionally with a mutant (a deliberately broken behaviour).
    pub async fn start(mutant: Option<Mutant>) -> Result<Embedded, ServerError> {
        let mut servers = Vec::new();
        let mut targets = Vec::new();
        for (label, setting) in [
            (REFERENCE, DoubleBooking::Allowed),
            (REFERENCE_NO_DOUBLE_BOOKING, DoubleBooking::Disallowed),
        ] {
            let mut config = ServerConfig::reference();
            config.settings.double_booking = match setting {
                DoubleBooking::Allowed => settings::DoubleBooking::Allowed,
                DoubleBooking::Disallowed => settings::DoubleBooking::Disallowed,
            };
            config.mutant = mutant;
            let token = config.static_token.clone();
            let server = spawn(config).await?;
            targets.push(Target {
                label: label.to_owned(),
                base_url: server.base_url().to_owned(),
                auth: Auth::static_token(Secret::new(token)),
                profile: Arc::new(Profile::reference().with_double_booking(setting)),
            });
            servers.push(server);
        }
        Ok(Embedded { servers, targets })
    }

    pub async fn shutdown(self) {
        for server in self.servers {
            server.shutdown().await;
        }
    }
}
