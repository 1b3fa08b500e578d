//! Enrolment: a lead's one-time code becomes this device's token and its grants; and, for a
//! device enrolled already, another code becomes another placement ([`Store::add_placement`]:
//! a bank worker's next unit, or a second unit at once) without signing out.
//!
//! The code is single use on the server, so a failed enrolment is not retried here: a lost
//! answer would make the retry look like a refusal. The person enrolling simply tries again (or
//! asks for a new code); nothing on the device changes until the server has said yes. (A
//! placement whose answer was lost arrives with the next sync anyway: every sync answer lists
//! all the device's grants.)

use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::protocol::{EnrollRequest, ErrorCode, GrantsRequest, PROTOCOL_VERSION};
use crate::store::Store;
use crate::sync::transport::{Transport, TransportError};
use crate::sync::{resync, state};
use crate::units::{UnitGrant, end_grant_now, write_grants};

impl Store {
    /// Enrols this device with the code a lead issued: stores the device token and applies the
    /// grants the code carries, which are returned. The device is labelled for leads with who
    /// uses it ("Alex Morgan, Support worker"), or "Unnamed device". A refused code gives
    /// [`Error::EnrolmentRefused`]; enrolling again replaces the token.
    pub fn enroll(&self, transport: &dyn Transport, code: &str) -> Result<Vec<UnitGrant>> {
        let code = code.trim();
        if code.is_empty() {
            return Err(Error::invalid("code", "must not be empty"));
        }
        let staff = self.staff_member();
        let device_label = if staff.name.is_empty() {
            "Unnamed device".to_string()
        } else if staff.job_title.is_empty() {
            staff.name.clone()
        } else {
            format!("{}, {}", staff.name, staff.job_title)
        };
        let request = EnrollRequest {
            protocol: PROTOCOL_VERSION,
            code: code.to_string(),
            device_id: self.device_id().to_string(),
            device_label,
            staff_name: Some(staff.name.clone()),
            staff_job_title: Some(staff.job_title.clone()),
        };
        let response = transport.enroll(&request).map_err(|e| match e {
            TransportError::Refused(body) if body.error == ErrorCode::EnrolmentRefused => {
                Error::EnrolmentRefused(body.message)
            }
            TransportError::Refused(body) => Error::SyncRefused(body.message),
            TransportError::Network(text) => Error::Network(text),
            TransportError::Server { status, .. } => {
                Error::Network(format!("the server answered {status}"))
            }
            // Not enrolled yet, so neither applies to this device's data.
            TransportError::Revoked | TransportError::Unauthorized => {
                Error::EnrolmentRefused("the server refused this device".into())
            }
        })?;
        let server_url = transport.server_url();
        self.write(|w| {
            for unit in write_grants(w.tx(), &response.grants, w.now())? {
                w.note_access_changed(&unit);
            }
            w.note_sync_status_changed();
            state::enrolled(w.tx(), server_url.as_deref(), &response.device_token)
        })?;
        Ok(response.grants)
    }

    /// Adds the placement another enrolment code carries to this enrolled device, without
    /// signing out: the code is redeemed with the device's token (the token stays the same) and
    /// burned on the server as an enrolment burns it. Returns all the device's grants in force
    /// now, as the server lists them; a unit the device held already takes the code's role and
    /// end, and units the server no longer lists end here as a sync ends them (the server's list
    /// is the one source of truth). Change listeners hear of every unit whose access changed.
    ///
    /// A refused code gives [`Error::EnrolmentRefused`] and changes nothing; a device that is
    /// not enrolled, [`Error::NotEnrolled`]; a revoked one is wiped as a sync wipes it
    /// ([`Error::Revoked`]). Runs one at a time with [`Store::sync`], so a sync answer written
    /// before the code was redeemed cannot end the new unit.
    pub fn add_placement(&self, transport: &dyn Transport, code: &str) -> Result<Vec<UnitGrant>> {
        let code = code.trim();
        if code.is_empty() {
            return Err(Error::invalid("code", "must not be empty"));
        }
        let _one_at_a_time = self.lock_sync();
        let token = self
            .read(|tx| state::load(tx))?
            .device_token
            .ok_or(Error::NotEnrolled)?;
        let request = GrantsRequest {
            protocol: PROTOCOL_VERSION,
            code: code.to_string(),
            device_id: self.device_id().to_string(),
        };
        let response = match transport.add_grants(&token, &request) {
            Ok(response) => response,
            Err(TransportError::Revoked) => {
                self.wipe_contents()?;
                return Err(Error::Revoked);
            }
            Err(e) => {
                return Err(match e {
                    TransportError::Refused(body) if body.error == ErrorCode::EnrolmentRefused => {
                        Error::EnrolmentRefused(body.message)
                    }
                    TransportError::Refused(body) => Error::SyncRefused(body.message),
                    TransportError::Network(text) => Error::Network(text),
                    TransportError::Server { status, .. } => {
                        Error::Network(format!("the server answered {status}"))
                    }
                    TransportError::Unauthorized => Error::Unauthorized,
                    TransportError::Revoked => Error::Revoked,
                });
            }
        };
        self.write(|w| {
            let now = w.now();
            let held = held_units(w.tx())?;
            // A unit this device held once and purged may still have its old place in the
            // (opaque) cursor, so pulling forward would skip its history: pull everything again.
            let mut regained = false;
            for g in &response.grants {
                if !held.contains(&g.unit_id) && purged_here(w.tx(), &g.unit_id)? {
                    regained = true;
                }
            }
            for unit in write_grants(w.tx(), &response.grants, now)? {
                w.note_access_changed(&unit);
            }
            for unit in &response.ended_units {
                if end_grant_now(w.tx(), unit, now)? {
                    w.note_access_changed(unit);
                }
            }
            if regained {
                resync::begin(w)?;
            }
            w.note_sync_status_changed();
            Ok(())
        })?;
        Ok(response.grants)
    }
}

/// The units this device holds now (ended ones not yet purged included).
fn held_units(tx: &Connection) -> Result<Vec<String>> {
    let mut stmt = tx.prepare("SELECT unit_id FROM units")?;
    let units = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(units)
}

/// Whether this device purged `unit` at some time (its seal chain records every purge).
fn purged_here(tx: &Connection, unit: &str) -> Result<bool> {
    Ok(tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM seals WHERE kind = 'purge' AND unit_id = ?1)",
        [unit],
        |r| r.get(0),
    )?)
}
