export { setUp as default } from './postgresRun';
