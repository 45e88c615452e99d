// Generated sections inside hand-written docs: the text between a start and an end marker is replaced,
// everything around it is left alone. Tests compare the committed file with a fresh render so docs cannot drift.
export function replaceBetweenMarkers(document: string, start: string, end: string, content: string): string {
  const from = document.indexOf(start);
  const to = document.indexOf(end);
  if (from < 0 || to < from) throw new Error(`the document must contain ${start} followed by ${end}`);
  return `${document.slice(0, from + start.length)}\n${content}\n${document.slice(to)}`;
}
