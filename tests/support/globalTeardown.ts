export { tearDown as default } from './postgresRun';
