/** berthd: the daemon serving the Docker Engine API. See src/daemon/main.ts. */
import { main } from '../src/daemon/main.ts';

process.exit(await main(process.argv.slice(2)));
