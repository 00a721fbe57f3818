-- v2: coordinating many tenants across replicas (issue 16): which replicas are alive, which
-- replica runs which tenant (a lease row with owner and expiry on the database's clock), and the
-- webhook deliveries any replica accepted, waiting for the tenant's lease holder.
--
-- `replicas` describes the service's processes, not a tenant's data, so it has no `tenant`
-- column; `leases` and `webhook_inbox` are keyed by the tenant.

CREATE TABLE replicas (
    replica    text PRIMARY KEY,
    expires_at timestamptz NOT NULL
);

CREATE TABLE leases (
    tenant      text PRIMARY KEY,
    owner       text NOT NULL,
    acquired_at timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);

CREATE TABLE webhook_inbox (
    tenant        text NOT NULL,
    id            bigint GENERATED ALWAYS AS IDENTITY,
    customers     jsonb NOT NULL,   -- array of Cin7 customer IDs
    products      jsonb NOT NULL,   -- array of Cin7 product IDs
    received_at   timestamptz NOT NULL DEFAULT now(),
    claimed_by    text,
    claimed_until timestamptz,
    PRIMARY KEY (tenant, id)
);

CREATE UNIQUE INDEX webhook_inbox_id ON webhook_inbox (id);
