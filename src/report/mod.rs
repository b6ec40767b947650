//! ⑥ Reports: render run outcomes for people and machines. Reporters only read outcomes.

pub mod console;
