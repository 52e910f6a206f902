// Every measure, in the order.
import type { Measure } from '../measure.js';
import { cancel } from './cancel.js';
import { dispatch } from './dispatch.js';
import { hardKill } from './hard-kill.js';
import { progressCost } from './progress-cost.js';
import { roundTrip } from './round-trip.js';

export const measures: Measure[] = [dispatch, roundTrip, progressCost, cancel, hardKill];
