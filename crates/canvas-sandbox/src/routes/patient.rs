//! Patients as a [`Directory`]: the instance's patients, with the name, birth date and gender
//! their settings give (docs.canvasmedical.com/api/patient/).

use serde_json::Value;

use crate::resources::patient_json;
use crate::routes::directory::Directory;
use crate::settings::{Patient, Settings};

impl Directory for Patient {
    const RESOURCE: &'static str = "Patient";
    const PATH: &'static str = "/Patient";

    fn all(settings: &Settings) -> &[Self] {
        &settings.patients
    }

    fn find<'a>(settings: &'a Settings, id: &str) -> Option<&'a Self> {
        settings.patient(id)
    }

    fn ids(&self) -> Vec<&str> {
        vec![self.id.as_str()]
    }

    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    fn render(&self) -> Value {
        patient_json(self)
    }
}
