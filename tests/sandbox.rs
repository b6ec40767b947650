//! Pointing the harness at a real Canvas sandbox, rehearsed on loopback: OAuth2 client credentials
//! and a non-default instance, a hostile target (resilience), a reshaping proxy (tolerance), Ctrl-C
//! cleanup, the doctor, and the dry run. Every server binds 127.0.0.1:0.

mod common;

mod sandbox {
    mod attribution;
    mod base_path;
    mod cleanup;
    pub mod common;
    mod cross_edition;
    mod doctor;
    mod dry_run;
    mod faults;
    mod generic_fhir;
    mod init;
    mod injected;
    mod interrupt;
    mod lost_answers;
    mod oauth;
    mod proxy;
    mod read_only;
    mod record;
    mod resilience;
    mod scoped;
    mod setup_faults;
    mod variations;
}
