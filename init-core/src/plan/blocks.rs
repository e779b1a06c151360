//! [`Blocked`]: the plan of a parameter initialised block by block ([`Init::blocks`]): its
//! output axis split into `k` equal blocks, each planned as a parameter of the block's shape,
//! with the block's fans.

use super::Plan;
use super::fans::PlanFans;
use super::law::Law;
use crate::error::{ErrorKind, InitError};
use crate::scheme::fans::Fans;
use crate::scheme::init::Init;

/// A parameter of shape `shape` whose axis `axis` is split into `plans.len()` equal blocks,
/// block `b` filled by `plans[b]` as a parameter of shape `block_shape`.
///
/// In logical (row-major) order the parameter is a sequence of runs of
/// [`run`](Blocked::run) elements, run `r` holding the elements `prefix = r div k`,
/// `(r mod k)·run ..` of block `r mod k` (its own logical order): what both fills index by.
#[derive(Clone, Debug)]
pub(crate) struct Blocked {
    pub(crate) axis: usize,
    pub(crate) shape: Vec<usize>,
    pub(crate) block_shape: Vec<usize>,
    pub(crate) plans: Vec<Plan>,
}

impl Blocked {
    /// The number of blocks.
    pub(crate) fn k(&self) -> usize {
        self.plans.len()
    }

    /// Elements of one block per index of the axes before the split one: the block's length
    /// along the axis times the axes after it.
    pub(crate) fn run(&self) -> usize {
        self.block_shape[self.axis..].iter().product()
    }

    /// Elements of one block.
    pub(crate) fn block_len(&self) -> usize {
        self.block_shape.iter().product()
    }

    /// The block of run `r`, and where the run starts in the block's own logical order.
    pub(crate) fn run_at(&self, r: usize) -> (usize, usize) {
        (r % self.k(), (r / self.k()) * self.run())
    }

    /// The one law of every block, when all are element-wise with the same law (the common
    /// `blocks(k)` of an element-wise scheme: only the fans changed).
    pub(crate) fn shared_law(&self) -> Option<&Law> {
        let mut laws = self.plans.iter().map(|p| match p {
            Plan::Elementwise(law) => Some(law),
            _ => None,
        });
        let first = laws.next()??;
        laws.all(|l| l.is_some_and(|l| l.dist() == first.dist()))
            .then_some(first)
    }

    /// Whether the blocks follow each other in logical order (nothing before the split
    /// axis): then filling block after block is filling the whole in logical order.
    pub(crate) fn consecutive(&self) -> bool {
        self.shape[..self.axis].iter().product::<usize>() == 1
    }
}

impl Init {
    /// The plan of a blocked parameter of `shape` (`len` elements): the axis, its
    /// divisibility, then each block's plan on the block's shape with the block's fans. The
    /// fans returned are this scheme's for one block.
    pub(crate) fn plan_blocked(
        &self,
        shape: &[usize],
        len: usize,
    ) -> Result<(Plan, Option<Fans>), InitError> {
        let k = self.blocks;
        let axis = self
            .layout
            .block_axis(shape.len())
            .map_err(|e| self.err(e))?;
        let dim = shape[axis];
        if !dim.is_multiple_of(k) {
            return Err(self.err(ErrorKind::BlocksMismatch {
                blocks: k,
                axis,
                len: dim,
            }));
        }
        let mut block_shape = shape.to_vec();
        block_shape[axis] = dim / k;
        let used = PlanFans::of(self, shape).per_block(k).both().ok();
        let mut plans = Vec::with_capacity(k);
        for b in 0..k {
            let init = self.block_init(b);
            let checked = init.validate()?;
            let fans = PlanFans::of(&init, shape).per_block(k);
            plans.push(if len == 0 {
                Plan::Empty
            } else {
                init.law(&block_shape, &checked, &fans)?
            });
        }
        if len == 0 {
            return Ok((Plan::Empty, used));
        }
        Ok((
            Plan::Blocks(Box::new(Blocked {
                axis,
                shape: shape.to_vec(),
                block_shape,
                plans,
            })),
            used,
        ))
    }
}
