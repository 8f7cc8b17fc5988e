-- An owner's events waiting or running, which its quotas count.
CREATE INDEX events_by_owner ON events (owner_id, status);
CREATE INDEX schedules_by_owner ON schedules (owner_id);
