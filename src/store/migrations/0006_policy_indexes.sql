-- IP Policy Library lists and block statistics read by account, newest first.
CREATE INDEX ip_policies_account_created ON ip_policies (account_id, created_at);
CREATE INDEX ip_policies_account_status ON ip_policies (account_id, status, created_at);
CREATE INDEX agent_actions_account ON agent_actions (account_id, created_at);
