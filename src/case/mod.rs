//! Case files: YAML parsed once into spanned types (`model`), loaded from a folder (`load`)
//! and linted without sending anything (`lint`); what a step depends on and judges (`uses`);
//! one file seen from one edition (`edition`).

pub mod edition;
pub mod lint;
pub mod load;
pub mod model;
pub mod uses;

pub use load::{Case, LoadError, load_dir};
pub use model::*;
