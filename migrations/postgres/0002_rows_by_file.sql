-- Version 2: a sync of the plan files that changed reads the rows by file, and the queue's
-- depth is counted by state and network. Paths compare bytewise, as the keys do.
ALTER TABLE publication ALTER COLUMN file TYPE TEXT COLLATE "C";
CREATE INDEX publication_file ON publication (file);
CREATE INDEX publication_state_network ON publication (state, network);
