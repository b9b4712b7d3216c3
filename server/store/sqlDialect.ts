/** The two databases the portal runs on; a leaf module, so migrations and stores import it without a cycle. */
export type SqlDialect = 'sqlite' | 'postgres';
