-- How many destination records led to an event, so a function that is (through destinations) its own
-- destination stops after maxDestinationChain.
ALTER TABLE events ADD COLUMN chain_depth INTEGER NOT NULL DEFAULT 0;
