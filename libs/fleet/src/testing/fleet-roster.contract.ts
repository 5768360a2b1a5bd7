import type { CoordinationStore } from '../coordination-store.port.js';
import { FLEET_MEMBERS_KEY, FleetRequestBoard, FleetRoster } from '../fleet-roster.js';
import type { CoordinationBacking } from './coordination-store.contract.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The fleet's roster and request board on a coordination-store adapter: concurrent heartbeats from several
 * connections all land, silence is measured by the reader's clock, silent members are forgotten, and request
 * generations rise by one per request under contention.
 */
export function describeFleetRosterContract(name: string, backing: () => Promise<CoordinationBacking>): void {
  describe(`fleet roster: ${name}`, () => {
    let shared: CoordinationBacking;
    const opened: CoordinationStore[] = [];
    const open = async () => {
      const store = await shared.open();
      opened.push(store);
      return store;
    };
    beforeEach(async () => {
      shared = await backing();
    });
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
      await shared.teardown();
    });
    const timing = { staleAfterMs: 600, forgetAfterMs: 1500 };

    it('keeps every member of many beating at once, each with its latest status', async () => {
      // What is tested is contention (five writers of one record), not staleness: with the staleness test's 600 ms, a
      // loaded CI run showed the member whose last beat won first as stale by the time the others had won theirs.
      const patient = { staleAfterMs: 60_000, forgetAfterMs: 120_000 };
      const rosters = await Promise.all(
        Array.from({ length: 5 }, async (_, i) => new FleetRoster<{ n: number }>(await open(), { instanceId: `m-${i}`, ...patient })),
      );
      for (let round = 1; round <= 3; round++) await Promise.all(rosters.map((roster) => roster.beat({ n: round })));
      const listed = await new FleetRoster(await open(), { instanceId: 'reader', ...patient }).list();
      expect(listed.map((member) => [member.instanceId, member.beats, member.status, member.state])).toEqual(
        rosters.map((_, i) => [`m-${i}`, 3, { n: 3 }, 'live']),
      );
      expect((await (await open()).read(FLEET_MEMBERS_KEY))?.version).toBe(14);
    }, 30_000);

    it("shows a member stale once its beats stop moving for staleAfterMs by the reader's clock, then forgets it", async () => {
      const quiet = new FleetRoster<{ n: number }>(await open(), { instanceId: 'quiet', ...timing });
      const busy = new FleetRoster<{ n: number }>(await open(), { instanceId: 'busy', ...timing });
      await quiet.beat({ n: 1 });
      await busy.beat({ n: 1 });
      expect((await busy.list()).map((member) => member.state)).toEqual(['live', 'live']);
      for (let i = 0; i < 4; i++) {
        await pause(200);
        await busy.beat({ n: 1 });
      }
      const stale = (await busy.list()).find((member) => member.instanceId === 'quiet');
      expect(stale).toMatchObject({ state: 'stale' });
      expect(stale!.silentMs).toBeGreaterThan(timing.staleAfterMs);
      // It beats again: live at once.
      await quiet.beat({ n: 2 });
      expect((await busy.list()).find((member) => member.instanceId === 'quiet')).toMatchObject({ state: 'live', status: { n: 2 } });
      // Silent past forgetAfterMs: the next write drops it; a clean leave shows `stopped`.
      await pause(timing.forgetAfterMs + 100);
      expect((await busy.beat({ n: 3 })).map((member) => member.instanceId)).toEqual(['busy']);
      await busy.leave();
      expect(await new FleetRoster(await open(), { instanceId: 'reader', ...timing }).list()).toEqual([
        expect.objectContaining({ instanceId: 'busy', state: 'stopped', stoppedAt: expect.any(Number) }),
      ]);
    }, 30_000);

    it('raises a request generation by one per request, however many instances ask at once', async () => {
      const boards = await Promise.all(Array.from({ length: 4 }, async () => new FleetRequestBoard(await open())));
      const asked = await Promise.all(boards.flatMap((board, b) => [0, 1].map((i) => board.request('rebuild', `i-${b}`, `k-${i}`))));
      expect(asked.map((request) => request.generation).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      await boards[0].request('parked-retry', 'i-0', null);
      expect(await boards[3].read()).toMatchObject({ rebuild: { generation: 8 }, 'parked-retry': { generation: 1, requestedBy: null } });
    }, 30_000);
  });
}
