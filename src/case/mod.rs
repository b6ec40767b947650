//! Case files: YAML parsed once into spanned types (`model`; `status`, `snapshot` and `capture`
//! typed at load), loaded from a folder (`load`) and linted without sending anything (`lint`);
//! what a step depends on and judges (`uses`); the names every case may use (`names`); one
//! file seen from one edition (`edition`).

pub mod capture;
pub mod checked;
pub mod edition;
pub mod lint;
pub mod load;
pub mod model;
pub mod names;
pub mod pattern;
pub mod snapshot;
pub mod status;
pub mod uses;

pub use load::{Case, LoadError, load_dir};
pub use model::*;
