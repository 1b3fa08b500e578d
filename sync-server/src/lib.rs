//! Steady's sync server: moves changes between devices, and only to the devices allowed to see
//! them.
//!
//! The merge rules live once in [`merge`] and are pure: a storage back end loads what they need,
//! asks [`merge::plan`] what to do, and writes the plan in one transaction. Two back ends
//! implement [`storage::Storage`]: embedded SQLite (the default: one directory, no set-up) and
//! PostgreSQL (many stateless server processes behind a load balancer). One conformance suite
//! runs against both.

pub mod admin;
pub mod audit_log;
pub mod console;
pub mod demo;
pub mod exchange;
pub mod http;
pub mod merge;
pub mod records_log;
pub mod secrets;
pub mod storage;
