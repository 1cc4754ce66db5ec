-- Version 3: several daemons take turns on the networks' tokens, so that each token's rate
-- limit is kept by one process at a time. A daemon alive renews its row in token_holder; each
-- token is held by one owner until `until` (owner '' : given back, free once `until` passes).
CREATE TABLE token_holder (
    owner TEXT PRIMARY KEY,
    until TIMESTAMPTZ NOT NULL
);
CREATE TABLE token_lease (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    until TIMESTAMPTZ NOT NULL
);
