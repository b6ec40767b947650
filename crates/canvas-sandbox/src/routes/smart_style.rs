//! `GET /smart-style.json` (no auth; current edition): the style a SMART app may take, named by a
//! patient token's `smart_style_url` (D29), with SMART App Launch's style keys.

use axum::Json;
use serde_json::{Value, json};

pub(crate) async fn smart_style() -> Json<Value> {
    Json(json!({
        "color_background": "#ffffff",
        "color_error": "#d9534f",
        "color_highlight": "#2c6fbb",
        "color_modal_backdrop": "",
        "color_success": "#5cb85c",
        "color_text": "#333333",
        "dim_border_radius": "4px",
        "dim_font_size": "14px",
        "dim_spacing_size": "16px",
        "font_family_body": "sans-serif",
        "font_family_heading": "sans-serif"
    }))
}
