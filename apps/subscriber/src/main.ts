import { Logger } from '@nestjs/common';
import { SubscriberConfigError, loadSubscriberConfig } from './config.js';
import { createSubscriberApp } from './subscriber-app.js';

async function main(): Promise<void> {
  const config = loadSubscriberConfig();
  const app = await createSubscriberApp(config);
  await app.listen(config.port, config.host);
  new Logger('Subscriber').log(`listening on ${await app.getUrl()}, consuming ${config.brokers.join(',')} as group ${config.groupId}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof SubscriberConfigError ? `configuration error: ${error.message}` : error);
  process.exit(error instanceof SubscriberConfigError ? 2 : 1);
});
