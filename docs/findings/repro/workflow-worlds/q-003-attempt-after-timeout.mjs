// Q-003 (redis): after a handler answers {timeoutSeconds}, the message comes back with attempt 1
// again instead of attempt 2 (BullMQ's moveToDelayed does not count an attempt).
import { verdict } from '../verdict.mjs';
import { deliveriesAfterOneTimeout, finish } from './world.mjs';

const { messageId, deliveries } = await deliveriesAfterOneTimeout(1, 15);
console.log(`deliveries of ${messageId}: ${deliveries.map((d) => `attempt ${d.meta.attempt}`).join(', ') || 'none'}`);
verdict(deliveries.length < 2 || deliveries[1].meta.attempt !== 2, 'the redelivery after {timeoutSeconds} is not attempt 2');
finish();
