//! One sync exchange, answered once for every caller: the HTTP endpoint (`POST /v1/sync`, after
//! it has authenticated the device and read its request) and the web console's in-process
//! transport (the console is a device too). Push first — the storage checks each operation
//! against the grants and the merge rules — then the grants in force now and the units that
//! ended, then a page of changes after the cursor, leaving out the caller's own cells (on a first
//! pull, only those this request wrote).

use std::collections::HashSet;

use steady_core::clock::{Hlc, Timestamp};
use steady_core::protocol::{PROTOCOL_VERSION, SyncRequest, SyncResponse};
use steady_core::units::UnitGrant;

use crate::storage::{Cursor, Storage, StorageResult};

/// The answer to `req` from `device_id`, whose cursor (already decoded) is `cursor`.
pub async fn answer<S: Storage>(
    storage: &S,
    device_id: &str,
    req: &SyncRequest,
    cursor: &Cursor,
    now: Timestamp,
) -> StorageResult<SyncResponse> {
    let results = storage.push(Some(device_id), &req.push, now).await?;
    // Grants are read after the push: the push itself checked each op against them.
    let (active, ended_units) = grants_in_force(storage, device_id, now).await?;
    let units: Vec<String> = active.iter().map(|g| g.unit_id.clone()).collect();
    let page = storage
        .pull(Some(device_id), &units, cursor, req.pull_limit)
        .await?;
    // A first pull (cursor zero) carries the caller's own cells too, since a device starting
    // again from empty needs what it wrote before; but never the cells this very request just
    // wrote: the device holds those values already, and on a slow link sending them back
    // doubles the answer of a first push.
    let mut changes = page.changes;
    if !req.push.is_empty() {
        let pushed: HashSet<&Hlc> = req.push.iter().map(|op| &op.stamp).collect();
        changes.retain(|c| c.stamp.device != device_id || !pushed.contains(&c.stamp));
    }
    Ok(SyncResponse {
        protocol: PROTOCOL_VERSION,
        results,
        changes,
        cursor: page.cursor.encode(),
        more: page.more,
        grants: active,
        ended_units,
        full_resync: page.full_resync,
        server_time: now,
    })
}

/// A device's grants in force at `now`, each with its unit as the device sees it, and the
/// units whose grant has ended.
pub async fn grants_in_force<S: Storage>(
    storage: &S,
    device_id: &str,
    now: Timestamp,
) -> StorageResult<(Vec<UnitGrant>, Vec<String>)> {
    let mut active = Vec::new();
    let mut ended = Vec::new();
    for (grant, unit) in storage.grants(device_id).await? {
        if grant.ends_at.is_some_and(|end| end <= now) {
            ended.push(grant.unit_id);
        } else {
            active.push(UnitGrant {
                unit_id: unit.unit_id,
                organisation: unit.organisation,
                name: unit.name,
                mental_health_unit: unit.mental_health_unit,
                role: grant.role,
                ends_at: grant.ends_at,
            });
        }
    }
    Ok((active, ended))
}
