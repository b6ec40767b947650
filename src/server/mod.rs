//! The reference server: a faithful local emulation of Canvas's Appointment API.
