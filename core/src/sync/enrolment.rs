//! Enrolment: a lead's one-time code becomes this device's token and its grants.
//!
//! The code is single use on the server, so a failed enrolment is not retried here: a lost
//! answer would make the retry look like a refusal. The person enrolling simply tries again (or
//! asks for a new code); nothing on the device changes until the server has said yes.

use crate::error::{Error, Result};
use crate::protocol::{EnrollRequest, ErrorCode, PROTOCOL_VERSION};
use crate::store::Store;
use crate::sync::state;
use crate::sync::transport::{Transport, TransportError};
use crate::units::{UnitGrant, write_grants};

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
}
