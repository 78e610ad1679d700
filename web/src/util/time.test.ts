import { describe, expect, it } from "vitest";
import { dayLabel, lastSeenText, listTime } from "./time";

const now = new Date(2026, 2, 14, 15, 30); // Sat 14 March 2026, 15:30 local time
const at = (d: number, h: number, m: number) => new Date(2026, 2, d, h, m).toISOString();

describe("times in words", () => {
  it("list rows: now, minutes, today's time, Yesterday, a weekday, then a date", () => {
    expect(listTime(new Date(2026, 2, 14, 15, 29, 40).toISOString(), now)).toBe("now");
    expect(listTime(at(14, 15, 25), now)).toBe("5m");
    expect(listTime(at(14, 14, 5), now)).toBe("14:05");
    expect(listTime(at(13, 9, 12), now)).toBe("Yesterday");
    expect(listTime(at(9, 9, 12), now)).toBe("Mon");
    expect(listTime(at(2, 9, 12), now)).toBe("02/03/2026");
  });

  it("last seen, in the RFC's wording", () => {
    expect(lastSeenText(at(14, 15, 25), now)).toBe("last seen 5 minutes ago");
    expect(lastSeenText(at(14, 15, 29), now)).toBe("last seen 1 minute ago");
    expect(lastSeenText(at(14, 14, 5), now)).toBe("last seen today at 14:05");
    expect(lastSeenText(at(13, 9, 12), now)).toBe("last seen yesterday at 09:12");
    expect(lastSeenText(at(12, 9, 12), now)).toBe("last seen 12 March 2026");
  });

  it("day separators", () => {
    expect(dayLabel(at(14, 1, 0), now)).toBe("Today");
    expect(dayLabel(at(13, 23, 59), now)).toBe("Yesterday");
    expect(dayLabel(at(1, 12, 0), now)).toBe("1 March 2026");
  });
});
