/** oracle-tm: a database source (on-prem SQL Server, or PostgreSQL / MySQL copies) read through connectors/sql. */
import { sqlConnectorFactory } from '../sql/factory.ts';

export const createConnector = sqlConnectorFactory('oracle-tm');
