// Every measure, in the order.
import type { Measure } from '../measure.js';
import { bullmq } from './bullmq.js';
import { cancel } from './cancel.js';
import { dispatch } from './dispatch.js';
import { find } from './find.js';
import { firstPaint } from './first-paint.js';
import { hardKill } from './hard-kill.js';
import { idleRss } from './idle-rss.js';
import { imageScale } from './image-scale.js';
import { items } from './items.js';
import { progressCost } from './progress-cost.js';
import { roundTrip } from './round-trip.js';
import { sseFanout } from './sse-fanout.js';
import { stalledReaders } from './stalled-readers.js';

export const measures: Measure[] = [
  dispatch,
  roundTrip,
  progressCost,
  cancel,
  hardKill,
  imageScale,
  sseFanout,
  bullmq,
  idleRss,
  items,
  find,
  stalledReaders,
  firstPaint,
];
