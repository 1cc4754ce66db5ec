-- Version 4: the next due time is two short index reads, not a scan of the week: the first free
-- row in time order (publication_due), and the few rows under a lease (this partial index).
CREATE INDEX publication_leased ON publication (lease_until) WHERE lease_owner IS NOT NULL;
