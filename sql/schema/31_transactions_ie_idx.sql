-- The few thousand IE rows among ten million, reached directly by the IE views.
CREATE INDEX IF NOT EXISTS transactions_ie_idx
    ON "Transactions" (subject_committee_id)
    WHERE subject_committee_id IS NOT NULL;
