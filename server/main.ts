import { createApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { DEMO, seedDemo } from './demo';
import { openRuntime } from './runtime';
import { portalServices } from './services';

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

async function main() {
  const config = configOrExit();
  const runtime = await openRuntime(config, { announce: (line) => console.log(line) });
  const app = createApp(runtime.deps);
  const server = app.listen(config.port, () => console.log(`Portal listening on ${config.baseUrl.origin} (port ${config.port})`));

  if (!config.production) {
    const demo = await seedDemo(runtime.deps.store, portalServices(runtime.deps));
    const lines = demo.created
      ? ['Demo recording created.', `  Open:  ${demo.url}`, `  National Insurance number: ${DEMO.nino}`]
      : [
          `Demo recording ${DEMO.assessmentRef} is already there; its links are in ${config.sms.outboxFile}.`,
          `  For a fresh link: npm run portal -- links send --recording ${demo.recordingId}`,
          `  National Insurance number: ${DEMO.nino}`,
        ];
    console.log(lines.join('\n'));
  }

  const shutdown = () => {
    server.close(() => void runtime.close().then(() => process.exit(0)));
    server.closeIdleConnections();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
