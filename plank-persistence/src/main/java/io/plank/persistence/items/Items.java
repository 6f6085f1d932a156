package io.plank.persistence.items;

import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.OptimisticLockException;
import jakarta.persistence.PersistenceContext;
import jakarta.transaction.Transactional;

import io.plank.domain.items.Item;
import io.plank.domain.items.NoSuchItemException;
import io.plank.domain.items.StaleItemException;

/** The items table. Writes flush inside the method so conflicts surface as domain exceptions, not at commit. */
@ApplicationScoped
@Transactional
public class Items {

    @PersistenceContext(unitName = "plank")
    EntityManager em;

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Item> page(int offset, int limit) {
        return em.createQuery("SELECT i FROM Item i ORDER BY i.id", Item.class)
                .setFirstResult(offset)
                .setMaxResults(limit)
                .getResultList();
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public long count() {
        return em.createQuery("SELECT COUNT(i) FROM Item i", Long.class).getSingleResult();
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Item> find(long id) {
        return Optional.ofNullable(em.find(Item.class, id));
    }

    public Item create(String name, Integer value) {
        var item = new Item(name, value);
        em.persist(item);
        em.flush();
        em.refresh(item); // timestamps come from the database
        return item;
    }

    /** Updates name and value; with {@code expectedVersion} the update fails if the row has moved on. */
    public Item update(long id, String name, Integer value, Integer expectedVersion) {
        Item item = em.find(Item.class, id);
        if (item == null) {
            throw new NoSuchItemException(id);
        }
        if (expectedVersion != null && expectedVersion != item.getVersion()) {
            throw new StaleItemException(id, expectedVersion, item.getVersion());
        }
        item.rename(name);
        item.revalue(value);
        try {
            em.flush();
        } catch (OptimisticLockException e) {
            throw new StaleItemException(id);
        }
        em.refresh(item);
        return item;
    }

    public void delete(long id) {
        Item item = em.find(Item.class, id);
        if (item == null) {
            throw new NoSuchItemException(id);
        }
        em.remove(item);
        em.flush();
    }
}
