//! Case files: YAML parsed once into spanned types (`model`), loaded from a folder (`load`)
//! and linted without sending anything (`lint`).

pub mod lint;
pub mod load;
pub mod model;

pub use load::{Case, LoadError, load_dir};
pub use model::*;
