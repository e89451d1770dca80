/**
 * hpe3d command line: `npm run hpe -- <command> [options]`.
 * Run `npm run hpe -- help` for the list of commands.
 */
import { describeBackend, initBackend } from "../lib/backend";
import { versions } from "../lib/notebook";

type Command = { summary: string; run: (args: string[]) => Promise<void> };

const commands: Record<string, Command> = {
  backend: {
    summary: "start the compute backend and print which one runs and why others were skipped",
    run: async () => {
      const b = await initBackend({ quiet: true });
      console.log(describeBackend(b));
      console.log(JSON.stringify({ backend: b, versions: versions() }, null, 2));
    },
  },
};

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help") {
    console.log("usage: npm run hpe -- <command> [options]\n\ncommands:");
    for (const [n, c] of Object.entries(commands)) console.log(`  ${n.padEnd(10)} ${c.summary}`);
    return;
  }
  const cmd = commands[name];
  if (!cmd) throw new Error(`unknown command "${name}"; commands: ${Object.keys(commands).join(", ")}`);
  await cmd.run(rest);
}

main(process.argv.slice(2)).catch((e) => {
  console.error(`hpe: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
