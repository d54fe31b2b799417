// Reads .ics documents the way Thunderbird does (Mozilla's ical.js). Stdin: a JSON array of
// documents (strings). Stdout: for each document, a JSON array of its VEVENTs' UID, SUMMARY,
// SEQUENCE, STATUS, and start and end as UTC instants (Unix seconds). A TZID that the document's own
// VTIMEZONE blocks do not define is an error, never a floating time.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

function instant(event, name) {
  const property = event.component.getFirstProperty(name);
  const tzid = property.getParameter("tzid");
  const time = property.getFirstValue();
  if (tzid && (!time.zone || time.zone.tzid !== tzid)) {
    throw new Error(`${event.uid}: ${name} names TZID ${tzid}, which no VTIMEZONE of the document defines`);
  }
  return time.toUnixTime();
}

function read(text) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  return calendar.getAllSubcomponents("vevent").map((component) => {
    const event = new ICAL.Event(component);
    return {
      uid: event.uid,
      summary: event.summary,
      sequence: event.sequence,
      status: component.getFirstPropertyValue("status"),
      start: instant(event, "dtstart"),
      end: instant(event, "dtend"),
    };
  });
}

const documents = JSON.parse(readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(documents.map(read)));
