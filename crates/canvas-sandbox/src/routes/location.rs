//! Practice locations as a [`Directory`], found by their id or legacy id (D13) and answered
//! under their canonical id (docs.canvasmedical.com/api/location/).

use serde_json::Value;

use crate::resources::location_json;
use crate::routes::directory::Directory;
use crate::settings::{Location, Settings};

impl Directory for Location {
    const RESOURCE: &'static str = "Location";
    const PATH: &'static str = "/Location";

    fn all(settings: &Settings) -> &[Self] {
        &settings.locations
    }

    fn find<'a>(settings: &'a Settings, id: &str) -> Option<&'a Self> {
        settings.location(id)
    }

    fn ids(&self) -> Vec<&str> {
        std::iter::once(self.id.as_str())
            .chain(self.legacy_id.as_deref())
            .collect()
    }

    fn name(&self) -> Option<&str> {
        Some(self.name.as_str())
    }

    fn render(&self) -> Value {
        location_json(self)
    }
}
