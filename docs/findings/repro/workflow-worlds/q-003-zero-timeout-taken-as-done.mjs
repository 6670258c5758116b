// Q-003 (starter and redis): a handler answering {timeoutSeconds: 0} asks for the message again at
// once, but the queue tests `result?.timeoutSeconds` for truth, so 0 reads as "done" and the
// message is never delivered again.
import { verdict } from '../verdict.mjs';
import { deliveriesAfterOneTimeout, finish } from './world.mjs';

const { messageId, deliveries } = await deliveriesAfterOneTimeout(0, 10);
console.log(`deliveries of ${messageId} within 10 s: ${deliveries.length}`);
verdict(deliveries.length < 2, 'the message is not delivered again after {timeoutSeconds: 0}');
finish();
