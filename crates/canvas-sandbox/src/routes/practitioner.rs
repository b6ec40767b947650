//! Practitioners as a [`Directory`]: the instance's practitioners, Canvas Bot included
//! (docs.canvasmedical.com/api/practitioner/).

use serde_json::Value;

use crate::resources::practitioner_json;
use crate::routes::directory::Directory;
use crate::settings::{Practitioner, Settings};

impl Directory for Practitioner {
    const RESOURCE: &'static str = "Practitioner";
    const PATH: &'static str = "/Practitioner";

    fn all(settings: &Settings) -> &[Self] {
        &settings.practitioners
    }

    fn find<'a>(settings: &'a Settings, id: &str) -> Option<&'a Self> {
        settings.practitioner(id)
    }

    fn ids(&self) -> Vec<&str> {
        vec![self.id.as_str()]
    }

    fn name(&self) -> Option<&str> {
        Some(self.name.as_str())
    }

    fn render(&self) -> Value {
        practitioner_json(self)
    }
}
