package io.plank.listener.feed;

import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;

/** PLACEHOLDER: being implemented (owns the LISTEN connection, fires ChangeEvents). */
@Singleton
@Startup
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
public class ChangeListener {

    public ListenerStatus status() {
        return new ListenerStatus(ListenerState.STARTING, 0, 0, null, null);
    }
}
