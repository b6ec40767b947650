//! The context of one create or update interaction: which one it is ([`Mode`]) and what every
//! check consults ([`Ctx`]: the instance's settings, the served edition's policy, the mutant).

use super::edition::Policy;
use super::mutant::Mutant;
use super::settings::Settings;

/// Which interaction a body belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Create,
    Update,
}

/// The context every check needs.
pub(crate) struct Ctx<'a> {
    pub settings: &'a Settings,
    pub policy: &'static Policy,
    pub mutant: Option<Mutant>,
    pub mode: Mode,
}

impl Ctx<'_> {
    /// Whether `mutant` is the active one.
    pub(crate) fn is(&self, mutant: Mutant) -> bool {
        self.mutant == Some(mutant)
    }

    /// Whether this is a create (not an update).
    pub(crate) fn creating(&self) -> bool {
        self.mode == Mode::Create
    }

    /// Whether a CREATE-* mutant bites here (they leave update alone: one behaviour each).
    pub(crate) fn create_mutant(&self, mutant: Mutant) -> bool {
        self.creating() && self.is(mutant)
    }
}
